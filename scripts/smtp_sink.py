"""A mail server that delivers nowhere: each message it accepts becomes a file.

scripts/container-check points the image's EMAIL_URL here to see an alert email arrive.
It speaks just enough SMTP for Django's mail backend (no TLS, no authentication) and
listens on 127.0.0.1 only. Usage: python scripts/smtp_sink.py DIRECTORY PORT_FILE
It writes the port it listens on to PORT_FILE once it accepts connections.
"""

import itertools
import socketserver
import sys
from pathlib import Path

numbers = itertools.count(1)


class Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 stepwise-sink ESMTP")
        for raw in self.rfile:
            verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.save(self.message())
                self.reply("250 OK: kept")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")

    def message(self) -> bytes:
        lines = []
        for line in self.rfile:
            if line in (b".\r\n", b".\n"):
                break
            # A line that began with a dot was sent with a second one (RFC 5321, 4.5.2).
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def save(self, message: bytes) -> None:
        # Written under another name first, so a reader never sees half a message.
        path = Path(self.server.directory) / f"{next(numbers):04d}.eml"
        partial = path.with_suffix(".partial")
        partial.write_bytes(message)
        partial.rename(path)


class Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    directory, port_file = sys.argv[1:3]
    with Sink(("127.0.0.1", 0), Session) as server:
        server.directory = directory
        # Already listening: connections wait in the backlog until serve_forever.
        Path(f"{port_file}.partial").write_text(str(server.server_address[1]))
        Path(f"{port_file}.partial").rename(port_file)
        server.serve_forever()


if __name__ == "__main__":
    main()
