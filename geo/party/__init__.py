"""The party-building grid: organisations (``model``, ``placing``), members who report to a
community, the service posts (岗位) they claim and the hours they log (``service``), and
figures per community and grid (``figures``)."""
