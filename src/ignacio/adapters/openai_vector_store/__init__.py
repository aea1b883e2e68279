"""OpenAI vector stores as the DocumentIndex: one store per member, searched by OpenAI."""

from ignacio.adapters.openai_vector_store.index import (
    FILE_ID_ATTRIBUTE,
    FILE_NAME_ATTRIBUTE,
    USER_ID_ATTRIBUTE,
    WORKSPACE_ID_ATTRIBUTE,
    OpenAIVectorStoreIndex,
    workspace_filter,
)
from ignacio.adapters.openai_vector_store.stores import METADATA_USER_KEY

__all__ = [
    "FILE_ID_ATTRIBUTE",
    "FILE_NAME_ATTRIBUTE",
    "METADATA_USER_KEY",
    "USER_ID_ATTRIBUTE",
    "WORKSPACE_ID_ATTRIBUTE",
    "OpenAIVectorStoreIndex",
    "workspace_filter",
]
