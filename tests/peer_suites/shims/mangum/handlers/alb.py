from adapters.compat._mangum_events import ALB

__all__ = ["ALB"]
