from adapters.compat._mangum_events import LambdaAtEdge

__all__ = ["LambdaAtEdge"]
