"""The WeCom (企业微信) adapter: the encrypted callback, the JSON API, rendering, menu, QR scans."""
