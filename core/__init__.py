"""Pure domain of edoc-bridge: stdlib only, imports nothing of ours outside core."""
