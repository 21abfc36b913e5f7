"""Hand-written fakes and loopback servers that speak real protocols (no mocks)."""
