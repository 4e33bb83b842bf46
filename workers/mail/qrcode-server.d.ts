/** qrcode's Node build (PNG buffers), typed as the package's main entry is. */
declare module "qrcode/lib/server.js" {
  import QRCode from "qrcode";
  export default QRCode;
}
