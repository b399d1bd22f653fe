"""Services hold the rules; they call storage and never deal with HTTP."""
