// Copies the built browser files of the npm dependencies into wwwroot/lib, the only place the portal serves
// scripts and styles from (the Content-Security-Policy allows no other origin).
import { cpSync, mkdirSync, rmSync } from "node:fs";

const assets = [
  ["node_modules/bootstrap/dist/css/bootstrap.min.css", "wwwroot/lib/bootstrap/css/bootstrap.min.css"],
  ["node_modules/bootstrap/dist/css/bootstrap.min.css.map", "wwwroot/lib/bootstrap/css/bootstrap.min.css.map"],
  ["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js", "wwwroot/lib/bootstrap/js/bootstrap.bundle.min.js"],
  ["node_modules/@microsoft/signalr/dist/browser/signalr.min.js", "wwwroot/lib/signalr/signalr.min.js"],
  ["node_modules/idiomorph/dist/idiomorph.min.js", "wwwroot/lib/idiomorph/idiomorph.min.js"],
];

rmSync("wwwroot/lib", { recursive: true, force: true });
for (const [from, to] of assets) {
  mkdirSync(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  cpSync(from, to);
}
console.log(`copied ${assets.length} browser assets into wwwroot/lib`);
