"""The typed callback payloads of every feature, in one leaf package: any screen may draw a button of
any feature (the main menu shows the balance's, a list shows a model card's) without the features
importing each other. Which route answers a payload is declared in that feature's routes.py."""
