"""Piccolo's configuration module (PICCOLO_CONF=service.piccolo_conf)."""

from piccolo.conf.apps import AppRegistry

from service.db import build_engine
from service.settings import get_settings

DB = build_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["service.piccolo_app"])
