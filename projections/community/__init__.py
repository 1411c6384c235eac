"""The community view: members and roles over time, norms, calendar, library and plans."""
