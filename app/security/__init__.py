"""Who may ask what: caller identity (API keys, JWTs), rate limits, CORS and headers, model governance."""
