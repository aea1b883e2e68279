"""The Twilio adapter: signatures, forms, the channel, the media fetcher and the fake."""
