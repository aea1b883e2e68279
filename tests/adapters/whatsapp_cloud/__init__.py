"""The WhatsApp Cloud API adapter: parsing, signatures, the channel and the media fetcher."""
