"""The platform admin CLI (`python -m admin`, or `make admin ARGS="..."`)."""
