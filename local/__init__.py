"""The embedded local API: template.yaml's routes, authorizers and gateway responses, served without Docker."""
