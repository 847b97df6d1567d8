// A base-map tile server for the tests that draw a map: every tile the same pale grey PNG, so the
// suite never reaches the internet; it records each request (the map test checks that none
// carries anything about a person).
import * as http from "node:http";
import { freePort } from "./server";

// A 1×1 pale grey PNG: enough for Leaflet to draw a base map.
const TILE = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC",
  "base64",
);

export class TileServer {
  readonly requests: { url: string; referer?: string }[] = [];
  private server?: http.Server;

  private constructor(readonly port: number) {}

  static async start(): Promise<TileServer> {
    const t = new TileServer(await freePort());
    await t.listen();
    return t;
  }

  /** The server's setting for the app (`MIMAMORI_MAP_TILES`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/tiles/{z}/{x}/{y}.png`;
  }

  /** Starts answering (again, after `close`) on the same port. */
  listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.requests.push({ url: req.url ?? "", referer: req.headers.referer });
      if (!/^\/tiles\/\d+\/\d+\/\d+\.png$/.test(req.url ?? "")) {
        res.writeHead(404).end();
        return;
      }
      // As 地理院タイル does: any page may read a tile (the phone keeps what it reads).
      res.writeHead(200, { "content-type": "image/png", "access-control-allow-origin": "*" }).end(TILE);
    });
    return new Promise((r) => this.server!.listen(this.port, "127.0.0.1", () => r()));
  }

  /** Stops answering at once, open connections included (a tile server that is down). */
  close() {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
