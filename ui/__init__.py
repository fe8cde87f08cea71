"""The Gradio face of the toolkit: ui.app.build_app(pipeline), ui.app.launch(settings)."""
