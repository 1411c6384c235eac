"""The index: which log positions concern which member, community, resource, plan, ..."""
