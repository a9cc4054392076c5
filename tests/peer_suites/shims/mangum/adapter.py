from adapters.compat.mangum import DEFAULT_TEXT_MIME_TYPES, Mangum

__all__ = ["DEFAULT_TEXT_MIME_TYPES", "Mangum"]
