"""sTvOS shared core: settings, errors, storage, auth and the app factory used by every function."""
