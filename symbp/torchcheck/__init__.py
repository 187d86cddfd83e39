"""The independent check against torch: the check, its worker process, the torch bridge."""
