"""The guide's own requests and answers, used as examples in the OpenAPI document and in events/."""
from __future__ import annotations

from typing import Any

REQUEST_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/register"): {"email": "test@example.com", "password": "securepassword",
                                        "name": "Test User"},
    ("POST", "/api/v1/auth/login"): {"email": "test@example.com", "password": "securepassword"},
    ("POST", "/api/v1/auth/refresh"): {"refreshToken": "eyJhbGciOi..."},
    ("POST", "/api/v1/auth/voucher/validate"): {"code": "STUDIO-ABC123"},
    ("POST", "/api/v1/onboarding/profile"): {"sessionId": "unique-session-id", "name": "Jane", "age": 28,
                                             "gender": "female", "height": 170, "weight": 65,
                                             "fitnessGoal": "weight_loss", "fitnessLevel": "intermediate",
                                             "workoutsPerWeek": 4},
    ("POST", "/api/v1/onboarding/recommend-coaches"): {"sessionId": "unique-session-id",
                                                       "fitnessGoal": "weight_loss", "fitnessLevel": "intermediate"},
    ("POST", "/api/v1/onboarding/select-coach"): {"sessionId": "unique-session-id", "coachId": 5},
    ("POST", "/api/v1/livekit/token"): {"roomName": "onboarding-session",
                                        "context": "User is starting their fitness journey",
                                        "agentName": "fitness-coach"},
    ("POST", "/api/v1/sessions/start"): {"classId": 42, "deviceType": "mobile"},
    ("POST", "/api/v1/sessions/{id}/progress"): {"progressSeconds": 540, "totalDurationSeconds": 1800},
}

RESPONSE_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/health"): {"success": True, "data": {"status": "ok", "timestamp": "2026-02-28T12:00:00Z",
                                                           "uptime": 86400, "version": "1.0.0",
                                                           "environment": "development"}},
}
