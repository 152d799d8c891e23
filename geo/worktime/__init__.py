"""Working time: the calendar's rules per instant (``calendar``) and over arrays (``arrays``)."""
