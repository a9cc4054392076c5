from adapters.compat.mangum import ConfigurationError, LifespanFailure, UnexpectedMessage

__all__ = ["ConfigurationError", "LifespanFailure", "UnexpectedMessage"]
