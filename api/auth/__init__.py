"""Sign-in: API tokens, console sessions and their CSRF tokens (never in the domain core)."""
