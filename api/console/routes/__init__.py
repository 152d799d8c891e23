"""The console's routers, one per page family; all use ConsoleRoute for friendly errors."""
