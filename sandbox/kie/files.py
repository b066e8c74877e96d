"""The upload endpoints of ``FakeKie`` (file stream and base64, in the live or the documented answer
shape) and the ``/files/...`` URLs it serves uploads and results at.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from aiohttp import web

from sandbox.kie.wire import _date, _json


class _Files:
    """Uploads and served files of ``FakeKie``."""

    # --- files -------------------------------------------------------------------------------------

    def _upload(self, file_name: str, form: dict[str, str], content: bytes) -> web.Response:
        upload_path = form.get("uploadPath", "")
        if not content:
            return _json({"code": 400, "msg": "file is required", "data": None})
        name = file_name or form.get("file.filename") or f"upload-{next(self._serial)}"
        mime = form.get("file.content_type") or "application/octet-stream"
        return self._stored(upload_path, name, content, mime)

    def _upload_base64(self, body: Any) -> web.Response:
        if not isinstance(body, dict) or not isinstance(body.get("base64Data"), str):
            return _json({"code": 400, "msg": "base64Data is required", "data": None})
        data = body["base64Data"]
        mime = "application/octet-stream"
        if data.startswith("data:") and "," in data:
            header, data = data.split(",", 1)
            mime = header[5:].split(";")[0] or mime
        try:
            content = base64.b64decode(data, validate=True)
        except ValueError:
            return _json({"code": 400, "msg": "base64Data is not valid base64", "data": None})
        name = body.get("fileName") or f"upload-{next(self._serial)}"
        return self._stored(body.get("uploadPath", ""), name, content, mime)

    def _stored(self, upload_path: str, name: str, content: bytes, mime: str) -> web.Response:
        file_path = "/".join(p for p in ("kieai", "136592", upload_path.strip("/"), name) if p)
        url = self.serve_file(file_path, content, mime)
        self.uploads.append({"path": file_path, "name": name, "size": len(content), "mime": mime, "url": url})
        uploaded_at = _date(time.time())
        if self.upload_shape == "documented":
            data = {
                "fileId": uuid.uuid4().hex,
                "fileName": name,
                "originalName": name,
                "fileSize": len(content),
                "mimeType": mime,
                "uploadPath": upload_path,
                "fileUrl": url,
                "downloadUrl": url,
                "uploadTime": uploaded_at,
                "expiresAt": _date(time.time() + 3 * 86400),
            }
        else:
            data = {
                "success": True,
                "fileName": name,
                "filePath": file_path,
                "downloadUrl": url,
                "fileSize": len(content),
                "mimeType": mime,
                "uploadedAt": uploaded_at,
            }
        return _json({"success": True, "code": 200, "msg": "File uploaded successfully", "data": data})

    def _serve_file(self, path: str) -> web.Response:
        if path in self.expired or path not in self.files:
            return web.Response(status=404, text="Not Found")
        content, content_type = self.files[path]
        return web.Response(body=content, content_type=content_type.split(";")[0])
