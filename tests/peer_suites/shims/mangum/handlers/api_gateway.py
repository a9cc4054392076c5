from adapters.compat._mangum_events import APIGateway, HTTPGateway

__all__ = ["APIGateway", "HTTPGateway"]
