"""Review events and notifications: which events a version raises, their messages, and their delivery."""
