"""Print the gateway's OpenAPI document: `make web-types` turns it into src/api/schema.d.ts."""

import json

from gateway.app import create_app
from ytempire.core.settings import Settings

print(json.dumps(create_app(Settings()).openapi(), indent=1, sort_keys=True))
