# One-off generator for the app icons (the PNGs are committed; this script is kept beside them).
from PIL import Image, ImageDraw, ImageFont
import sys
out = sys.argv[1]
GREEN = (31, 95, 74); CREAM = (255, 248, 232); ORANGE = (240, 140, 50)
font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

def draw(size, maskable):
    img = Image.new("RGBA", (size, size), GREEN if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 5, fill=GREEN)
    # Content inside the maskable safe zone (central 80 % circle).
    s = size * (0.62 if maskable else 0.78)
    ox = (size - s) / 2; oy = (size - s) / 2
    # House: roof and body.
    roof = [(ox + s * 0.5, oy + s * 0.08), (ox + s * 0.95, oy + s * 0.48), (ox + s * 0.05, oy + s * 0.48)]
    d.polygon(roof, fill=CREAM)
    d.rectangle([ox + s * 0.17, oy + s * 0.46, ox + s * 0.83, oy + s * 0.92], fill=CREAM)
    # Heart-ish warm light in the window: someone is watching over.
    r = s * 0.14
    cx, cy = ox + s * 0.5, oy + s * 0.66
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ORANGE)
    return img

for size, name, mask in [(192, "icon-192.png", False), (512, "icon-512.png", False), (512, "maskable-512.png", True)]:
    draw(size, mask).save(f"{out}/{name}", optimize=True)
draw(48, False).save(f"{out}/favicon.ico", sizes=[(48, 48), (32, 32), (16, 16)])
print("ok")
