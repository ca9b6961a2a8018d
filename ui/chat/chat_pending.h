/* chat_pending.h - the one sentence that says chat has not landed. `lathe --help`,
 * `lathe chat` and its --help, the Chat pane and the README all use these words, so
 * no surface can present chat as working while another says it is not; the
 * sentence goes away when the chat REPL and pane land. */
#ifndef LATHE_CHAT_PENDING_H
#define LATHE_CHAT_PENDING_H

#define CHAT_PENDING "not available yet; use lathe generate meanwhile"

#endif
