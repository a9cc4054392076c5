"""`mangum.handlers`: Mangum's per-front-door handler classes, answered by ours
(`adapters.compat._mangum_events`), which follow the same public protocol."""

from adapters.compat._mangum_events import ALB, APIGateway, HTTPGateway, LambdaAtEdge

__all__ = ["ALB", "APIGateway", "HTTPGateway", "LambdaAtEdge"]
