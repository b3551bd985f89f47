//! Browser tests: the real client in headless Chromium.
