"""Developer scripts for the course (not part of the tlteach package)."""
