"""rasa_sdk action server of the complaint-intake assistant (`rasa run actions --actions actions`)."""
