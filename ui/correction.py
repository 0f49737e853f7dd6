""""Wrong? Tell it.": the person clicks the right digit, and the drawing's input is kept."""

from model.classifier import DigitClassifier
from model.corrections import CorrectionsFolder


def save_correction(classifier: DigitClassifier, folder: CorrectionsFolder, value, digit: int) -> str:
    """Saves the drawing `value` as a `digit`, beside the model's answer; returns a note to show."""
    prediction = classifier.predict(value)
    if prediction.pixels is None:
        return "Draw a digit first, then tell the model what it is."
    folder.save(prediction.pixels, digit, prediction.label)
    return f"Thank you: saved as a {digit}."
