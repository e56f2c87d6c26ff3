import NIOCore
import NIOHTTP1

/// HTTP responses as Fluentd's WEBrick servers write them (the RPC endpoint and monitor_agent): Content-Length
/// always, the connection kept open only when the request asked, error pages in WEBrick's charset (the wording is
/// ForwardLab's own).
enum WEBrickResponse {
    static func send(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, status: HTTPResponseStatus,
                     headers extra: HTTPHeaders = HTTPHeaders(), body: String?, contentType: String?) {
        var headers = extra
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        let bytes = body.map { Array($0.utf8) } ?? []
        headers.add(name: "Content-Length", value: String(bytes.count))
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(response)), promise: nil)
        if head.method != .HEAD && !bytes.isEmpty {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        }
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    static func errorPage(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, status: HTTPResponseStatus, title: String,
                          detail: String, headers: HTTPHeaders = HTTPHeaders()) {
        let page = """
            <!DOCTYPE html>
            <html><head><title>\(status.code) \(title)</title></head>
            <body><h1>\(title)</h1><p>\(detail)</p></body></html>

            """
        send(context, head, status: status, headers: headers, body: page, contentType: "text/html; charset=ISO-8859-1")
    }

    static func escapeHTML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
