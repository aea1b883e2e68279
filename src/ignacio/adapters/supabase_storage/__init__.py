"""Blob storage in Supabase Storage, for the production set: one private bucket, via storage3."""

from ignacio.adapters.supabase_storage.health import SupabaseStorageProbe
from ignacio.adapters.supabase_storage.keys import object_key, path_of
from ignacio.adapters.supabase_storage.storage import SupabaseBlobStorage

__all__ = ["SupabaseBlobStorage", "SupabaseStorageProbe", "object_key", "path_of"]
