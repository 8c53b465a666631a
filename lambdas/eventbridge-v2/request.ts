/** The HTTP request of an operation, as the RPC v2 CBOR protocol lays it out. */
import { HttpRequest } from '@smithy/core/protocols';

/** The service shape's name without namespace, the `{serviceName}` segment of every path. */
const SERVICE_NAME = 'AWSEventsV2';

/**
 * `POST {prefix}/service/AWSEventsV2/operation/{operation}` with the protocol's headers.
 * `host` is set here because the signer signs only the headers it finds.
 */
export function buildRequest(base: URL, operation: string, body: Uint8Array): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port === '' ? undefined : Number(base.port),
    path: `${base.pathname.replace(/\/+$/, '')}/service/${SERVICE_NAME}/operation/${operation}`,
    headers: {
      host: base.host,
      'smithy-protocol': 'rpc-v2-cbor',
      'content-type': 'application/cbor',
      accept: 'application/cbor',
      'content-length': String(body.byteLength),
    },
    body,
  });
}
