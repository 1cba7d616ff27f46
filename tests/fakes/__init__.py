"""Test doubles that behave like the real thing: a loopback edit service and test images."""
