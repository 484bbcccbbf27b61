"""qualityscore: rate vehicle quality from inspection records with versioned, compiled standards."""
