"""The reference voice agent worker of sTvOS: `toolbox` (plain Python, tested in `make test`) and `worker`
(the LiveKit room, which needs agent/requirements.txt)."""
