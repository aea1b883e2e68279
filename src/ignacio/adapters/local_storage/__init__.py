"""Blob storage on the local disk, for the embedded set: files under one root folder."""

from ignacio.adapters.local_storage.files import LocalFileStorage

__all__ = ["LocalFileStorage"]
