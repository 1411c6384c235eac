"""The portfolio of one member: what they did across communities, as a viewer may see it."""
