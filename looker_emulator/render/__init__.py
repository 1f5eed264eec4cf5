"""Dashboard and Look renders drawn from the emulator's own data: model, layout, charts, PDF and image back ends."""
