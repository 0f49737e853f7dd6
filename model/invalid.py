"""The error for input that cannot be read as a drawing, shared by the image and stroke readers."""


class InvalidImage(ValueError):
    """The input cannot be read as a drawing; the message says why, for the user."""
