<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Active model</source>
        <translation>当前模型</translation>
    </message>
    <message>
        <source>Path of the GGUF file; empty means the default model.</source>
        <translation>GGUF 文件的路径；留空表示使用默认模型。</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k 采样</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p 采样</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Maximum reply tokens</source>
        <translation>回复最大词元数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>-1 picks a new seed each time.</source>
        <translation>-1 表示每次随机选择种子。</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>-1 chooses automatically.</source>
        <translation>-1 表示自动选择。</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>Where there are several GPUs: -1 chooses the one with the most free memory, or splits a model that fits on none; a number keeps models on that GPU.</source>
        <translation>有多个 GPU 时：-1 选择空闲显存最多的那个，若模型在任何单个 GPU 上都放不下则拆分；填编号则把模型固定在该 GPU 上。</translation>
    </message>
    <message>
        <source>Splitting a model across GPUs</source>
        <translation>跨 GPU 拆分模型</translation>
    </message>
    <message>
        <source>auto splits only a model that fits on no single GPU, by layers; layer or row split every model across all GPUs.</source>
        <translation>auto 仅按层拆分任何单个 GPU 都放不下的模型；layer 或 row 会把每个模型拆分到所有 GPU 上。</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>0 uses the physical cores.</source>
        <translation>0 表示使用全部物理核心。</translation>
    </message>
    <message>
        <source>When the conversation outgrows the context</source>
        <translation>对话超出上下文时</translation>
    </message>
    <message>
        <source>Extend context with RoPE/YaRN scaling</source>
        <translation>使用 RoPE/YaRN 缩放扩展上下文</translation>
    </message>
    <message>
        <source>KV cache precision</source>
        <translation>KV 缓存精度</translation>
    </message>
    <message>
        <source>q8_0 halves the memory a long context takes with almost no change in replies; q4_0 quarters it, with some.</source>
        <translation>q8_0 可将长上下文占用的内存减半，回复几乎不变；q4_0 可减至四分之一，回复会有些变化。</translation>
    </message>
    <message>
        <source>Speculative decoding</source>
        <translation>推测解码</translation>
    </message>
    <message>
        <source>Draft a few tokens ahead and let the model verify them in one step: the same replies, sometimes faster. lookup drafts from the conversation itself (pays when replies quote it); model drafts with the draft model below.</source>
        <translation>预先起草几个词元，由模型一步验证：回复完全相同，有时更快。lookup 从对话本身起草（回复引用对话内容时才划算）；model 用下面的草稿模型起草。</translation>
    </message>
    <message>
        <source>Draft model</source>
        <translation>草稿模型</translation>
    </message>
    <message>
        <source>A smaller GGUF model with the chat model&apos;s vocabulary (a path, or a name in the model folders), for speculative decoding with a draft model.</source>
        <translation>与对话模型词表相同的较小 GGUF 模型（路径，或模型文件夹中的名称），用于以草稿模型进行推测解码。</translation>
    </message>
    <message>
        <source>Tokens drafted at a time</source>
        <translation>每次起草的词元数</translation>
    </message>
    <message>
        <source>Extra model folders</source>
        <translation>其他模型文件夹</translation>
    </message>
    <message>
        <source>Separated by the OS path separator.</source>
        <translation>用操作系统的路径分隔符分隔。</translation>
    </message>
    <message>
        <source>Allow unsigned models</source>
        <translation>允许未签名的模型</translation>
    </message>
    <message>
        <source>Per-model options</source>
        <translation>各模型的选项</translation>
    </message>
    <message>
        <source>GPU layers and context length for each model file, by file name.</source>
        <translation>按文件名记录每个模型文件的 GPU 层数和上下文长度。</translation>
    </message>
    <message>
        <source>Embedding model for documents</source>
        <translation>文档的嵌入模型</translation>
    </message>
    <message>
        <source>A GGUF file (a path, or a name in the model folders) that finds document passages by meaning as well as by words; empty: by words only.</source>
        <translation>一个 GGUF 文件（路径，或模型文件夹中的名称），用于按语义和字词查找文档段落；留空：仅按字词查找。</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>0 picks a free port each time.</source>
        <translation>0 表示每次自动选一个空闲端口。</translation>
    </message>
    <message>
        <source>Erase conversations unused for (days)</source>
        <translation>对话闲置多少天后清除（天）</translation>
    </message>
    <message>
        <source>Conversations not changed for more than this many days are erased at start-up and daily; 0 keeps them until you delete them.</source>
        <translation>超过此天数未更改的对话会在启动时和每天清除；0 表示一直保留，直到你自己删除。</translation>
    </message>
    <message>
        <source>Allow other computers (0.0.0.0)</source>
        <translation>允许其他电脑访问（0.0.0.0）</translation>
    </message>
    <message>
        <source>Listen on every network address, not only this computer&apos;s; needs an API key.</source>
        <translation>在所有网络地址上监听，而不只是本机；需要接口密钥。</translation>
    </message>
    <message>
        <source>Sync server</source>
        <translation>同步服务器</translation>
    </message>
    <message>
        <source>A WebDAV folder, e.g. https://dav.example.org/remote.php/dav/files/me/; empty: this computer never connects to one.</source>
        <translation>一个 WebDAV 文件夹，例如 https://dav.example.org/remote.php/dav/files/me/；留空：本机从不连接同步服务器。</translation>
    </message>
    <message>
        <source>Sync user name</source>
        <translation>同步用户名</translation>
    </message>
    <message>
        <source>CA bundle for the sync server</source>
        <translation>同步服务器的 CA 证书包</translation>
    </message>
    <message>
        <source>A PEM file of your organisation&apos;s certificate authorities; empty: the system&apos;s.</source>
        <translation>您所在组织的证书颁发机构的 PEM 文件；留空：使用系统的证书。</translation>
    </message>
    <message>
        <source>Client certificate for the sync server</source>
        <translation>同步服务器的客户端证书</translation>
    </message>
    <message>
        <source>A PEM file holding the certificate and its key, if the server asks for one.</source>
        <translation>包含证书及其密钥的 PEM 文件（如服务器要求）。</translation>
    </message>
    <message>
        <source>Sync every (minutes)</source>
        <translation>同步间隔（分钟）</translation>
    </message>
    <message>
        <source>Tool servers (MCP)</source>
        <translation>MCP 工具服务器</translation>
    </message>
    <message>
        <source>Local programs whose tools the model may call, each {&quot;name&quot;: …, &quot;command&quot;: …, &quot;args&quot;: [...], &quot;effects&quot;: true}; started on this computer and spoken to over standard input and output.</source>
        <translation>模型可调用其工具的本地程序，每个写作 {&quot;name&quot;: …, &quot;command&quot;: …, &quot;args&quot;: [...], &quot;effects&quot;: true}；在本机启动，通过标准输入和输出通信。</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Local API server</source>
        <translation>本地接口服务器</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Contract: the service you use the app for (GDPR Art. 6(1)(b))</source>
        <translation>合同：你使用本应用所需的服务（GDPR 第 6(1)(b) 条）</translation>
    </message>
    <message>
        <source>Legitimate interest: keeping the app and your data secure (GDPR Art. 6(1)(f))</source>
        <translation>正当利益：保障应用和你的数据安全（GDPR 第 6(1)(f) 条）</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Conversations: titles, your messages, the model&apos;s replies, system prompts and summaries</source>
        <translation>对话：标题、你的消息、模型的回复、系统提示词和摘要</translation>
    </message>
    <message>
        <source>To show, search and continue your conversations with the model</source>
        <translation>用于显示、搜索对话并与模型继续对话</translation>
    </message>
    <message>
        <source>The encrypted database {database}</source>
        <translation>加密数据库 {database}</translation>
    </message>
    <message>
        <source>Only to the sync server your organisation set up, encrypted</source>
        <translation>仅以加密形式发送到你所在组织设置的同步服务器</translation>
    </message>
    <message>
        <source>Documents: file paths, sizes, hashes, and the passages read from them</source>
        <translation>文档：文件路径、大小、哈希值及从中读取的段落</translation>
    </message>
    <message>
        <source>To answer your questions from your documents, citing them</source>
        <translation>用于根据你的文档回答问题并注明出处</translation>
    </message>
    <message>
        <source>Until you remove them, or erase your data</source>
        <translation>直到你移除它们或清除你的数据</translation>
    </message>
    <message>
        <source>Settings: your preferences, including your system prompt</source>
        <translation>设置：你的偏好，包括系统提示词</translation>
    </message>
    <message>
        <source>To run the app the way you chose</source>
        <translation>用于按你选择的方式运行应用</translation>
    </message>
    <message>
        <source>Until you change them, or erase your data</source>
        <translation>直到你更改它们或清除你的数据</translation>
    </message>
    <message>
        <source>{settings}, and the encrypted database {database}</source>
        <translation>{settings}，以及加密数据库 {database}</translation>
    </message>
    <message>
        <source>Audit log: who did what and when (your user name or an API key&apos;s id, actions, ids of records, counts); never the text of your messages</source>
        <translation>审计日志：谁在何时做了什么（你的用户名或 API 密钥编号、操作、记录编号、数量）；从不包含你的消息文本</translation>
    </message>
    <message>
        <source>To prove what the app did with your data (accountability)</source>
        <translation>用于证明应用如何处理了你的数据（问责）</translation>
    </message>
    <message>
        <source>Legal obligation or legitimate interest: accountability (GDPR Art. 5(2))</source>
        <translation>法定义务或正当利益：问责（GDPR 第 5(2) 条）</translation>
    </message>
    <message>
        <source>As long as the database; erasure keeps it, as it holds no content</source>
        <translation>与数据库一同保留；清除数据时保留它，因为其中不含内容</translation>
    </message>
    <message>
        <source>API keys of the local server: names, ids, creation times and a hash of each key</source>
        <translation>本地服务器的 API 密钥：名称、编号、创建时间和每个密钥的哈希值</translation>
    </message>
    <message>
        <source>To let only the programs you allowed use the local server</source>
        <translation>仅允许你授权的程序使用本地服务器</translation>
    </message>
    <message>
        <source>Until you revoke them</source>
        <translation>直到你将其吊销</translation>
    </message>
    <message>
        <source>Changes waiting for the sync server: copies of changed conversations and messages, and tombstones (ids only) of erased ones</source>
        <translation>等待发送到同步服务器的更改：已更改的对话和消息的副本，以及已清除内容的删除标记（仅含编号）</translation>
    </message>
    <message>
        <source>To synchronise your work when a server can be reached</source>
        <translation>用于在可连接服务器时同步你的工作</translation>
    </message>
    <message>
        <source>Until the server has accepted them</source>
        <translation>直到服务器接受这些更改</translation>
    </message>
    <message>
        <source>Keys: the database key, the audit log&apos;s keys and this installation&apos;s id</source>
        <translation>密钥：数据库密钥、审计日志密钥和本安装的编号</translation>
    </message>
    <message>
        <source>To encrypt your data at rest and sign the audit log</source>
        <translation>用于加密存储你的数据并为审计日志签名</translation>
    </message>
    <message>
        <source>As long as the data they protect</source>
        <translation>与其保护的数据保留同样长的时间</translation>
    </message>
    <message>
        <source>Copies of the database taken before an upgrade</source>
        <translation>升级前创建的数据库副本</translation>
    </message>
    <message>
        <source>To give your data back if an upgrade fails</source>
        <translation>用于在升级失败时恢复你的数据</translation>
    </message>
    <message>
        <source>The newest three are kept; erasure removes them</source>
        <translation>保留最新的三份；清除数据时将其删除</translation>
    </message>
    <message>
        <source>{data} (files ending in .bak), encrypted</source>
        <translation>{data}（以 .bak 结尾的文件），已加密</translation>
    </message>
    <message>
        <source>Application log: errors and events, never your messages or the replies</source>
        <translation>应用日志：错误和事件，从不包含你的消息或回复</translation>
    </message>
    <message>
        <source>To find the cause of a problem</source>
        <translation>用于查找问题原因</translation>
    </message>
    <message>
        <source>Rotated: the oldest files are removed as new ones are written</source>
        <translation>轮换：写入新文件时删除最旧的文件</translation>
    </message>
    <message>
        <source>Until you delete them; no retention period is set</source>
        <translation>直到你将其删除；未设置保留期限</translation>
    </message>
    <message>
        <source>Erased {days} days after their last change, or when you erase your data</source>
        <translation>在最后一次更改 {days} 天后清除，或在你清除数据时清除</translation>
    </message>
</context>
<context>
    <name>AskPanel</name>
    <message>
        <source>Ask</source>
        <translation>提问</translation>
    </message>
    <message>
        <source>Ask this collection a question…</source>
        <translation>向这个文档集提问…</translation>
    </message>
    <message>
        <source>The model is still loading; ask again in a moment.</source>
        <translation>模型仍在加载，请稍后再问。</translation>
    </message>
</context>
<context>
    <name>AuditDialog</name>
    <message>
        <source>Records shown: %1, newest first.</source>
        <translation>显示的记录：%1 条，最新的在前。</translation>
    </message>
    <message>
        <source>Verifying every record and signed checkpoint…</source>
        <translation>正在校验每条记录和每个已签名的检查点…</translation>
    </message>
    <message>
        <source>Checkpoint or export kept off this computer</source>
        <translation>保存在本机之外的检查点或导出文件</translation>
    </message>
    <message>
        <source>Audit checkpoints and exports (*.json *.jsonl);;All files (*)</source>
        <translation>审计检查点和导出文件 (*.json *.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
        <source>The audit log is intact: %1 records and %2 signed checkpoints verified.</source>
        <translation>审计日志完好：已校验 %1 条记录和 %2 个已签名的检查点。</translation>
    </message>
    <message>
        <source>The audit log was altered: it fails at record %1 (%2).</source>
        <translation>审计日志已被改动：校验在第 %1 条记录处失败（%2）。</translation>
    </message>
    <message>
        <source>The audit log could not be checked: %1</source>
        <translation>无法校验审计日志：%1</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>&amp;Action:</source>
        <translation>操作(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Period:</source>
        <translation>时间范围(&amp;P)：</translation>
    </message>
    <message>
        <source>All actions</source>
        <translation>全部操作</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>不限时间</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>操作者</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Object</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>&amp;Verify</source>
        <translation>校验(&amp;V)</translation>
    </message>
    <message>
        <source>Check every record&apos;s MAC and every signed checkpoint: proves nothing was altered or removed.</source>
        <translation>校验每条记录的 MAC 和每个已签名的检查点：证明没有任何内容被改动或删除。</translation>
    </message>
    <message>
        <source>Verify against a &amp;checkpoint…</source>
        <translation>对照检查点校验(&amp;C)…</translation>
    </message>
    <message>
        <source>Also check the log against a checkpoint or export kept off this computer: finds records removed from the end.</source>
        <translation>同时对照保存在本机之外的检查点或导出文件校验日志：可发现从末尾删除的记录。</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>Your conversations are stored unencrypted: no keyring was found on this computer and no passphrase was set. Restart Open-AutoGLM to set one.</source>
        <translation>你的对话以未加密形式保存：这台电脑上没有找到系统密钥环，也没有设置口令。重新启动 Open-AutoGLM 即可设置口令。</translation>
    </message>
    <message>
        <source>No system keyring was found: the key to your conversations is kept in %1, locked with your passphrase.</source>
        <translation>未找到系统密钥环：你的对话密钥保存在 %1 中，并由你的口令锁定。</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Write a message below to start the conversation.</source>
        <translation>在下方输入消息，开始对话。</translation>
    </message>
    <message>
        <source>Earlier messages were summarised so the conversation fits the model&apos;s context.</source>
        <translation>较早的消息已被总结，以便对话能放入模型的上下文。</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
</context>
<context>
    <name>CollectionChooser</name>
    <message>
        <source>No collections yet: add documents with File → Documents…</source>
        <translation>还没有文档集：请通过“文件 → 文档…”添加文档</translation>
    </message>
    <message>
        <source>Answer from:</source>
        <translation>回答依据：</translation>
    </message>
    <message>
        <source>the model alone</source>
        <translation>仅模型本身</translation>
    </message>
    <message>
        <source>Collections of documents this conversation answers from, citing their passages</source>
        <translation>此对话回答时依据并引用其段落的文档集</translation>
    </message>
    <message>
        <source>Read whole documents</source>
        <translation>读取完整文档</translation>
    </message>
    <message>
        <source>Give the model whole documents instead of passages when they fit its window (long-context mode)</source>
        <translation>当完整文档能放入模型窗口时，向模型提供完整文档而非段落（长上下文模式）</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Message the assistant (Enter sends, Shift+Enter adds a line)</source>
        <translation>给助手发消息（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>No model is loaded: choose one in the model manager (Ctrl+Shift+M); you can still type</source>
        <translation>没有加载模型：请在模型管理器中选择一个（Ctrl+Shift+M）；仍可先输入</translation>
    </message>
    <message>
        <source>No model is loaded: choose one in the model manager</source>
        <translation>没有加载模型：请在模型管理器中选择一个</translation>
    </message>
    <message>
        <source>The model is loading; you can type, and send once it is ready</source>
        <translation>模型正在加载；可以先输入，加载完成后即可发送</translation>
    </message>
    <message>
        <source>Sending is possible once the model has loaded</source>
        <translation>模型加载完成后即可发送</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send the message (Enter)</source>
        <translation>发送消息（Enter）</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation>停止回复（Esc）</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>(a deleted conversation)</source>
        <translation>（已删除的对话）</translation>
    </message>
    <message>
        <source>(untitled)</source>
        <translation>（无标题）</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>消息文本</translation>
    </message>
    <message>
        <source>Deleted on another device, kept because it was edited here</source>
        <translation>已在另一台设备上删除，因在此处被编辑而保留</translation>
    </message>
    <message>
        <source>Message deleted on one device, edited on another: kept</source>
        <translation>消息在一台设备上被删除、在另一台上被编辑：已保留</translation>
    </message>
    <message>
        <source>Restored: %1</source>
        <translation>已恢复：%1</translation>
    </message>
    <message>
        <source>Kept what is shown on the left.</source>
        <translation>已保留左侧显示的版本。</translation>
    </message>
    <message>
        <source>Sync conflicts</source>
        <translation>同步冲突</translation>
    </message>
    <message>
        <source>The same thing was changed on two devices. Sync kept one version everywhere and set the other aside here: restore it, or keep what was kept.</source>
        <translation>同一内容在两台设备上都被修改了。同步在所有设备上保留了一个版本，并把另一个版本放在这里：您可以恢复它，或保留已保留的版本。</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>已保留</translation>
    </message>
    <message>
        <source>The other</source>
        <translation>另一个版本</translation>
    </message>
    <message>
        <source>Restore the other</source>
        <translation>恢复另一个版本</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Deleted “%1”</source>
        <translation>已删除“%1”</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Export as JSON…</source>
        <translation>导出为 JSON…</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Search conversations (Ctrl+F)</source>
        <translation>搜索对话（Ctrl+F）</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>New chat (Ctrl+N)</source>
        <translation>新建对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <source>Rename the conversation (F2)</source>
        <translation>重命名对话（F2）</translation>
    </message>
    <message>
        <source>Delete the conversation (Del)</source>
        <translation>删除对话（Del）</translation>
    </message>
    <message>
        <source>Export the conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>No conversations yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <source>No conversation matches the search.</source>
        <translation>没有与搜索匹配的对话。</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
</context>
<context>
    <name>DocumentsDialog</name>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Collections</source>
        <translation>文档集</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>新建…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Remove file</source>
        <translation>移除文件</translation>
    </message>
    <message>
        <source>Index by meaning</source>
        <translation>按语义索引</translation>
    </message>
    <message>
        <source>Embed this collection&apos;s passages with the embedding model set in Settings → Models, so that questions find them by meaning as well as by words</source>
        <translation>使用“设置 → 模型”中设置的嵌入模型为此文档集的段落生成向量，使提问时既能按字词也能按语义找到它们</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Drop files or folders here to add them to the collection. PDF, Word, Excel, CSV, HTML, Markdown and text files are read; a file that cannot be read is listed with the reason.</source>
        <translation>把文件或文件夹拖到这里即可加入文档集。可读取 PDF、Word、Excel、CSV、HTML、Markdown 和文本文件；无法读取的文件会连同原因一起列出。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>页数</translation>
    </message>
    <message>
        <source>Passages</source>
        <translation>段落</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Not readable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>New collection</source>
        <translation>新建文档集</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename collection</source>
        <translation>重命名文档集</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Remove collection</source>
        <translation>删除文档集</translation>
    </message>
    <message>
        <source>Remove the collection “%1” and its passages? Your files stay where they are.</source>
        <translation>删除文档集“%1”及其段落？你的文件本身不会被删除。</translation>
    </message>
    <message>
        <source>Add files</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <source>Documents (*.pdf *.docx *.xlsx *.csv *.tsv *.html *.htm *.md *.txt);;All files (*)</source>
        <translation>文档 (*.pdf *.docx *.xlsx *.csv *.tsv *.html *.htm *.md *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Add a folder</source>
        <translation>添加文件夹</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <source>Embedding the new passages…</source>
        <translation>正在为新段落生成向量…</translation>
    </message>
    <message>
        <source>Embedding the passages of %1…</source>
        <translation>正在为 %1 的段落生成向量…</translation>
    </message>
    <message>
        <source>Stopped. The passages embedded so far were kept.</source>
        <translation>已停止。已生成向量的段落会保留。</translation>
    </message>
    <message>
        <source>%1 passages embedded: questions now find them by meaning too.</source>
        <translation>已为 %1 个段落生成向量：现在提问也能按语义找到它们。</translation>
    </message>
    <message>
        <source>Stopped. The files read so far were kept.</source>
        <translation>已停止。已读取的文件会保留。</translation>
    </message>
    <message>
        <source>%1 added, %2 updated, %3 unchanged.</source>
        <translation>新增 %1 个，更新 %2 个，未变 %3 个。</translation>
    </message>
    <message>
        <source>%1 removed: their files are gone.</source>
        <translation>移除 %1 个：文件已不存在。</translation>
    </message>
    <message>
        <source>%1 could not be read (see the reasons).</source>
        <translation>%1 个无法读取（原因见列表）。</translation>
    </message>
    <message>
        <source>%1 passages embedded.</source>
        <translation>已为 %1 个段落生成向量。</translation>
    </message>
    <message>
        <source>Not embedded: %1</source>
        <translation>未生成向量：%1</translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <source>Show details</source>
        <translation>显示详细信息</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Hide details</source>
        <translation>隐藏详细信息</translation>
    </message>
</context>
<context>
    <name>ErrorPresenter</name>
    <message>
        <source>Something went wrong: %1. The app is still running; the details are in the log file.</source>
        <translation>出现问题：%1。应用仍在运行；详细信息已写入日志文件。</translation>
    </message>
    <message>
        <source>Open-AutoGLM: problem</source>
        <translation>Open-AutoGLM：出现问题</translation>
    </message>
    <message>
        <source>Open-AutoGLM</source>
        <translation>Open-AutoGLM</translation>
    </message>
</context>
<context>
    <name>FileField</name>
    <message>
        <source>Choose a PEM file</source>
        <translation>选择 PEM 文件</translation>
    </message>
    <message>
        <source>PEM files (*.pem *.crt *.cer)</source>
        <translation>PEM 文件 (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
</context>
<context>
    <name>KeyFileDialog</name>
    <message>
        <source>Save the sync key</source>
        <translation>保存同步密钥</translation>
    </message>
    <message>
        <source>Open a sync key</source>
        <translation>打开同步密钥</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>Enrol another device</source>
        <translation>添加另一台设备</translation>
    </message>
    <message>
        <source>Save this device&apos;s sync key in a file locked with a passphrase. On the other device, choose &quot;Use a key from another device…&quot; with this file and the passphrase. Anyone with both can read your synced conversations: keep them apart.</source>
        <translation>将本设备的同步密钥保存到一个用口令锁定的文件中。在另一台设备上选择“使用另一台设备的密钥…”，并提供此文件和口令。同时拥有两者的人都能读取您同步的对话：请分开保管。</translation>
    </message>
    <message>
        <source>Use a key from another device</source>
        <translation>使用另一台设备的密钥</translation>
    </message>
    <message>
        <source>Choose the key file saved on your other device and type its passphrase. This device then reads and writes the same synced conversations.</source>
        <translation>选择在另一台设备上保存的密钥文件并输入其口令。之后本设备将读写相同的同步对话。</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次输入口令</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Use this key</source>
        <translation>使用此密钥</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Encrypting your conversations… %1%</source>
        <translation>正在加密你的对话… %1%</translation>
    </message>
    <message>
        <source>in the system keyring (%1)</source>
        <translation>在系统密钥环（%1）中</translation>
    </message>
    <message>
        <source>in %1, locked with your passphrase</source>
        <translation>在 %1 中，并由你的口令锁定</translation>
    </message>
    <message>
        <source>Your conversations are encrypted (SQLCipher, AES-256); the key is kept %1.</source>
        <translation>你的对话已加密（SQLCipher，AES-256）；密钥保存%1。</translation>
    </message>
    <message>
        <source>Your conversations are not encrypted.</source>
        <translation>你的对话未加密。</translation>
    </message>
    <message>
        <source>Open-AutoGLM</source>
        <translation>Open-AutoGLM</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Export conversation</source>
        <translation>导出对话(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>As &amp;Markdown…</source>
        <translation>Markdown 格式(&amp;M)…</translation>
    </message>
    <message>
        <source>As &amp;JSON…</source>
        <translation>JSON 格式(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Search conversations</source>
        <translation>搜索对话(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Write a message</source>
        <translation>输入消息(&amp;W)</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>S&amp;top the reply</source>
        <translation>停止回复(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Regenerate the reply</source>
        <translation>重新生成回复(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Model manager…</source>
        <translation>模型管理器(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Documents…</source>
        <translation>文档(&amp;D)…</translation>
    </message>
    <message>
        <source>Re&amp;load the model</source>
        <translation>重新加载模型(&amp;L)</translation>
    </message>
    <message>
        <source>Open the &amp;log folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;About Open-AutoGLM</source>
        <translation>关于 Open-AutoGLM(&amp;A)</translation>
    </message>
    <message>
        <source>A&amp;udit log…</source>
        <translation>审计日志(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Privacy and your data…</source>
        <translation>隐私与你的数据(&amp;P)…</translation>
    </message>
    <message>
        <source>Administrator &amp;policy…</source>
        <translation>管理员策略(&amp;P)…</translation>
    </message>
    <message>
        <source>Conversations and chat</source>
        <translation>对话列表与聊天</translation>
    </message>
    <message>
        <source>the default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>What this install contains (SBOM, CycloneDX): %1</source>
        <translation>此安装包含的内容（SBOM，CycloneDX）：%1</translation>
    </message>
    <message>
        <source>This install carries no software bill of materials (SBOM); installers do.</source>
        <translation>此安装未附带软件物料清单（SBOM）；安装包会附带。</translation>
    </message>
    <message>
        <source>About Open-AutoGLM</source>
        <translation>关于 Open-AutoGLM</translation>
    </message>
    <message>
        <source>Open-AutoGLM %1

A desktop assistant that runs a language model entirely on this computer. Only signed models are loaded; nothing leaves the machine.</source>
        <translation>Open-AutoGLM %1

完全在本机运行语言模型的桌面助手。只加载已签名的模型；任何数据都不会离开本机。</translation>
    </message>
    <message>
        <source>A reply is being written</source>
        <translation>正在生成回复</translation>
    </message>
    <message>
        <source>Stop the reply and quit? What was written so far is kept.</source>
        <translation>停止回复并退出？已生成的内容会被保留。</translation>
    </message>
    <message>
        <source>Stop and quit</source>
        <translation>停止并退出</translation>
    </message>
    <message>
        <source>Keep writing</source>
        <translation>继续生成</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>The administrator&apos;s policy decides what the safety filter removes or flags.</source>
        <translation>管理员的策略决定安全过滤隐藏或标记哪些内容。</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>bank card number</source>
        <translation>银行卡号</translation>
    </message>
    <message>
        <source>phone number</source>
        <translation>电话号码</translation>
    </message>
    <message>
        <source>passport number</source>
        <translation>护照号</translation>
    </message>
    <message>
        <source>e-mail address</source>
        <translation>邮箱地址</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>IP地址</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API密钥</translation>
    </message>
    <message>
        <source>private key</source>
        <translation>私钥</translation>
    </message>
    <message>
        <source>%1 removed</source>
        <translation>已隐藏%1</translation>
    </message>
    <message>
        <source>%1 found</source>
        <translation>发现%1</translation>
    </message>
    <message>
        <source>reply stopped: %1 found</source>
        <translation>发现%1，回复已停止</translation>
    </message>
    <message>
        <source>%1 removed from your message</source>
        <translation>已从你的消息中隐藏%1</translation>
    </message>
    <message>
        <source>your message contains %1</source>
        <translation>你的消息含有%1</translation>
    </message>
    <message>
        <source>Safety filter: %1</source>
        <translation>安全过滤：%1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>version %1 of %2</source>
        <translation>第 %1 版，共 %2 版</translation>
    </message>
    <message>
        <source>writing…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>Copy this message</source>
        <translation>复制这条消息</translation>
    </message>
    <message>
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <source>Write this reply again</source>
        <translation>重新生成这条回复</translation>
    </message>
    <message>
        <source>Regenerate reply</source>
        <translation>重新生成回复</translation>
    </message>
    <message>
        <source>Edit this message and send it again</source>
        <translation>编辑这条消息并重新发送</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <source>Show the previous version</source>
        <translation>显示上一版</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>上一版</translation>
    </message>
    <message>
        <source>Show the next version</source>
        <translation>显示下一版</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>下一版</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>消息内容</translation>
    </message>
    <message>
        <source>Edited message</source>
        <translation>编辑中的消息</translation>
    </message>
    <message>
        <source>Send edited</source>
        <translation>发送修改</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ModelDropImporter</name>
    <message>
        <source>Manifest without its model</source>
        <translation>清单缺少对应的模型</translation>
    </message>
    <message>
        <source>%1 is a manifest for %2, which is not in your models folder. Drop the model file and its manifest together.</source>
        <translation>%1 是 %2 的清单，但该模型不在你的模型文件夹中。请把模型文件和它的清单一起拖进来。</translation>
    </message>
    <message>
        <source>The model was not imported</source>
        <translation>模型未导入</translation>
    </message>
    <message>
        <source>%1 could not be imported: %2</source>
        <translation>无法导入 %1：%2</translation>
    </message>
    <message>
        <source>Model imported</source>
        <translation>模型已导入</translation>
    </message>
    <message>
        <source>%1 was imported and verified: it is signed by %2, a key you trust. Use it now?</source>
        <translation>%1 已导入并通过验证：签名者为 %2，是你信任的密钥。现在就使用它吗？</translation>
    </message>
    <message>
        <source>%1 was copied into your models folder, but it has no manifest, so it will not be loaded: only models signed by a key you trust are.

What you can do:
• Ask your administrator (or whoever gave you the model) for its signed manifest, %2, and drop it onto this window.
• If you built the model yourself, sign it with your own key: autoglm keys generate &quot;Your name&quot;, then autoglm models sign %3</source>
        <translation>%1 已复制到你的模型文件夹，但它没有清单，因此不会被加载：只有由你信任的密钥签名的模型才会加载。

你可以：
• 向管理员（或提供模型的人）索取它的签名清单 %2，然后把清单拖到此窗口。
• 如果模型是你自己制作的，用自己的密钥签名：先运行 autoglm keys generate &quot;你的名字&quot;，再运行 autoglm models sign %3</translation>
    </message>
    <message>
        <source>%1 is signed, but by a key this computer does not trust, so it will not be loaded.

What you can do:
• If you know and trust who signed it, ask them for their public key file and trust it: autoglm keys trust FILE.pub
• Or ask your administrator for a manifest signed by a key your organisation trusts, and drop it onto this window.</source>
        <translation>%1 有签名，但签名密钥不受这台电脑信任，因此不会被加载。

你可以：
• 如果你认识并信任签名者，向对方索取公钥文件并信任它：autoglm keys trust FILE.pub
• 或者向管理员索取由贵单位信任的密钥签名的清单，然后把清单拖到此窗口。</translation>
    </message>
    <message>
        <source>%1 does not match its manifest: the file was changed or damaged after it was signed, so it will not be loaded.

What you can do: get a fresh copy from where it came from, with its manifest, and drop both onto this window.</source>
        <translation>%1 与它的清单不符：文件在签名后被修改或损坏，因此不会被加载。

你可以：从原来的来源重新获取一份模型及其清单，然后把两者一起拖到此窗口。</translation>
    </message>
    <message>
        <source>This model cannot be used yet</source>
        <translation>暂时无法使用此模型</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source> (default)</source>
        <translation>（默认）</translation>
    </message>
    <message>
        <source>File: %1</source>
        <translation>文件：%1</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <source>Unsigned</source>
        <translation>未签名</translation>
    </message>
    <message>
        <source>Refused: tampered</source>
        <translation>已拒绝：文件被篡改</translation>
    </message>
    <message>
        <source>Refused: untrusted signer</source>
        <translation>已拒绝：签名者不受信任</translation>
    </message>
    <message>
        <source>Broken file</source>
        <translation>文件已损坏</translation>
    </message>
    <message>
        <source>Not verified yet</source>
        <translation>尚未验证</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Options for %1</source>
        <translation>%1 的选项</translation>
    </message>
    <message>
        <source>Memory with these options: about %1</source>
        <translation>按这些选项约需内存：%1</translation>
    </message>
    <message>
        <source>Used the next time this model loads.</source>
        <translation>下次加载此模型时生效。</translation>
    </message>
    <message>
        <source>In use now: %1 of %2 layers on the GPU (%3), a context of %4 tokens.</source>
        <translation>当前生效：%2 层中有 %1 层在 GPU 上（%3），上下文 %4 个词元。</translation>
    </message>
    <message>
        <source>Import a GGUF model</source>
        <translation>导入 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Import model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <source>Copy the model into your models folder, or use it where it is? Its manifest (if beside it) comes along.</source>
        <translation>将模型复制到你的模型文件夹，还是在原位置使用？旁边的清单文件（如有）会一并导入。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Use in place</source>
        <translation>在原位置使用</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>正在导入 %1…</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Est. memory</source>
        <translation>预计内存</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Cancel verification</source>
        <translation>取消验证</translation>
    </message>
    <message>
        <source>Verification progress</source>
        <translation>验证进度</translation>
    </message>
    <message>
        <source>Context length (tokens)</source>
        <translation>上下文长度（词元）</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Automatic offloads as many layers as fit the GPU&apos;s free memory (none on a CPU-only build)</source>
        <translation>自动：按 GPU 的可用显存放入尽可能多的层（仅 CPU 的版本不放入）</translation>
    </message>
    <message>
        <source>KV cache precision</source>
        <translation>KV 缓存精度</translation>
    </message>
    <message>
        <source>q8_0 halves the memory a long context takes with almost no change in replies; q4_0 quarters it, with some</source>
        <translation>q8_0 可将长上下文占用的内存减半，回复几乎不变；q4_0 可减至四分之一，回复会有些变化</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>Save options</source>
        <translation>保存选项</translation>
    </message>
    <message>
        <source>Options for the selected model</source>
        <translation>所选模型的选项</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Import a model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Verify signatures</source>
        <translation>验证签名</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>NewKeyDialog</name>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <source>API key created</source>
        <translation>已创建接口密钥</translation>
    </message>
    <message>
        <source>The key “%1”. Copy it now: it will not be shown again (only a fingerprint of it is kept).</source>
        <translation>密钥“%1”。请现在复制：它不会再次显示（只保存它的指纹）。</translation>
    </message>
    <message>
        <source>The new API key</source>
        <translation>新的接口密钥</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>PassphraseDialog</name>
    <message>
        <source>Unlock your conversations</source>
        <translation>解锁你的对话</translation>
    </message>
    <message>
        <source>No system keyring was found on this computer, so Open-AutoGLM keeps the key to your conversations in %1, locked with a passphrase.</source>
        <translation>这台电脑上没有找到系统密钥环，因此 Open-AutoGLM 将你的对话密钥保存在 %1 中，并用口令锁定。</translation>
    </message>
    <message>
        <source>Choose a passphrase of at least %1 characters. You will type it once each time Open-AutoGLM starts; without it your conversations cannot be read. Cancel to go on without encryption.</source>
        <translation>请设置至少 %1 个字符的口令。每次启动 Open-AutoGLM 时需输入一次；没有它，你的对话将无法读取。点击“取消”则不加密继续使用。</translation>
    </message>
    <message>
        <source>Type your passphrase to open your conversations.</source>
        <translation>输入口令以打开你的对话。</translation>
    </message>
    <message>
        <source>The passphrase must be at least %1 characters long.</source>
        <translation>口令至少需要 %1 个字符。</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>Type the passphrase, or Cancel.</source>
        <translation>请输入口令，或点击“取消”。</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Type it again:</source>
        <translation>再输入一次：</translation>
    </message>
</context>
<context>
    <name>PolicyDialog</name>
    <message>
        <source>Administrator policy</source>
        <translation>管理员策略</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>The administrator&apos;s policy cannot be used: %1</source>
        <translation>管理员策略无法使用：%1</translation>
    </message>
    <message>
        <source>No administrator&apos;s policy is installed on this computer: the built-in defaults apply.
Expected at %1</source>
        <translation>此计算机未安装管理员策略，使用内置默认值。
预期位置：%1</translation>
    </message>
    <message>
        <source>%1
signed by the administrator key %2 on %3. Only a new policy signed by that key can change what it says.</source>
        <translation>%1
由管理员密钥 %2 于 %3 签名。只有该密钥签名的新策略才能更改其内容。</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Unsigned models allowed</source>
        <translation>允许未签名模型</translation>
    </message>
    <message>
        <source>Encryption at rest required</source>
        <translation>要求静态加密</translation>
    </message>
    <message>
        <source>Pinned model-signing keys</source>
        <translation>固定的模型签名密钥</translation>
    </message>
    <message>
        <source>None: the trust store</source>
        <translation>无：使用信任库</translation>
    </message>
    <message>
        <source>Allowed models</source>
        <translation>允许的模型</translation>
    </message>
    <message>
        <source>Any verified model</source>
        <translation>任何已验证的模型</translation>
    </message>
    <message>
        <source>Organisation patterns</source>
        <translation>组织规则</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Sync server</source>
        <translation>同步服务器</translation>
    </message>
    <message>
        <source>Not pinned</source>
        <translation>未固定</translation>
    </message>
    <message>
        <source>Retention (days)</source>
        <translation>保留期限（天）</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Content in audit records</source>
        <translation>审计记录中包含内容</translation>
    </message>
    <message>
        <source>Serving other computers</source>
        <translation>为其他计算机提供服务</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>允许</translation>
    </message>
    <message>
        <source>Forbidden</source>
        <translation>禁止</translation>
    </message>
    <message>
        <source>API roles</source>
        <translation>API 角色</translation>
    </message>
    <message>
        <source>Locked settings</source>
        <translation>锁定的设置</translation>
    </message>
    <message>
        <source>Tools the model may call</source>
        <translation>模型可调用的工具</translation>
    </message>
    <message>
        <source>Function calling on the API</source>
        <translation>API 的函数调用</translation>
    </message>
    <message>
        <source>Only: %1</source>
        <translation>仅限：%1</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>任意</translation>
    </message>
    <message>
        <source>(no MCP servers)</source>
        <translation>（不允许 MCP 服务器）</translation>
    </message>
</context>
<context>
    <name>PolicyGate</name>
    <message>
        <source>Open-AutoGLM cannot start</source>
        <translation>无法启动 Open-AutoGLM</translation>
    </message>
    <message>
        <source>The administrator&apos;s policy on this computer cannot be used, so Open-AutoGLM will not start. Ask your administrator to install a correctly signed policy.</source>
        <translation>此计算机上的管理员策略无法使用，因此 Open-AutoGLM 不会启动。请联系管理员安装正确签名的策略。</translation>
    </message>
</context>
<context>
    <name>PrivacyDialog</name>
    <message>
        <source>Locked by your administrator&apos;s policy (%1)</source>
        <translation>已被管理员策略锁定（%1）</translation>
    </message>
    <message>
        <source>0 keeps conversations until you delete them.</source>
        <translation>0 表示保留对话，直到你将其删除。</translation>
    </message>
    <message>
        <source>Retention saved.</source>
        <translation>保留期限已保存。</translation>
    </message>
    <message>
        <source>Retention saved: conversations are kept until you delete them.</source>
        <translation>保留期限已保存：对话将保留到你将其删除为止。</translation>
    </message>
    <message>
        <source>Save the processing records</source>
        <translation>保存处理记录</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>Processing records saved to %1</source>
        <translation>处理记录已保存到 %1</translation>
    </message>
    <message>
        <source>Export all your data</source>
        <translation>导出你的全部数据</translation>
    </message>
    <message>
        <source>Zip archives (*.zip)</source>
        <translation>Zip 压缩包 (*.zip)</translation>
    </message>
    <message>
        <source>Exporting your data…</source>
        <translation>正在导出你的数据…</translation>
    </message>
    <message>
        <source>Your data was written to %1: %2 conversations, %3 messages, %4 documents.</source>
        <translation>你的数据已写入 %1：%2 个对话、%3 条消息、%4 个文档。</translation>
    </message>
    <message>
        <source>A reply is being written: stop it, then erase.</source>
        <translation>正在生成回复：请先停止，再清除。</translation>
    </message>
    <message>
        <source>Erase all your data?</source>
        <translation>清除你的全部数据？</translation>
    </message>
    <message>
        <source>This erases every conversation, document and stored setting of yours on this computer, and tells the sync server to delete its copies. It cannot be undone. Export your data first if you want to keep a copy.</source>
        <translation>这将清除你在本计算机上的所有对话、文档和已存储的设置，并通知同步服务器删除其副本。此操作无法撤销。如需保留副本，请先导出你的数据。</translation>
    </message>
    <message>
        <source>Erase everything</source>
        <translation>全部清除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Nothing was erased.</source>
        <translation>未清除任何内容。</translation>
    </message>
    <message>
        <source>Erasing your data…</source>
        <translation>正在清除你的数据…</translation>
    </message>
    <message>
        <source>Erased %1 conversations with %2 messages, %3 documents and %4 backups.</source>
        <translation>已清除 %1 个对话（含 %2 条消息）、%3 个文档和 %4 个备份。</translation>
    </message>
    <message>
        <source>It did not work: %1</source>
        <translation>操作失败：%1</translation>
    </message>
    <message>
        <source>Privacy and your data</source>
        <translation>隐私与你的数据</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>目的</translation>
    </message>
    <message>
        <source>Legal basis</source>
        <translation>法律依据</translation>
    </message>
    <message>
        <source>Kept for</source>
        <translation>保留期限</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>存放位置</translation>
    </message>
    <message>
        <source>Leaves this computer</source>
        <translation>是否离开本计算机</translation>
    </message>
    <message>
        <source>Erase conversations unused for (&amp;days):</source>
        <translation>清除闲置超过以下天数的对话(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>应用(&amp;A)</translation>
    </message>
    <message>
        <source>E&amp;xport all my data…</source>
        <translation>导出我的全部数据(&amp;X)…</translation>
    </message>
    <message>
        <source>Everything the app holds about you, in one zip archive of JSON files.</source>
        <translation>应用保存的与你有关的全部数据，打包为一个包含 JSON 文件的 zip 压缩包。</translation>
    </message>
    <message>
        <source>&amp;Save the records as JSON…</source>
        <translation>将记录保存为 JSON(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Erase all my data…</source>
        <translation>清除我的全部数据(&amp;E)…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <source>Starting… (loading the model)</source>
        <translation>正在启动…（正在加载模型）</translation>
    </message>
    <message>
        <source>Stopping… (requests in progress may finish)</source>
        <translation>正在停止…（进行中的请求可以完成）</translation>
    </message>
    <message>
        <source>Running at %1</source>
        <translation>运行中：%1</translation>
    </message>
    <message>
        <source>Other computers reach it at this computer&apos;s network address, with this port.</source>
        <translation>其他电脑通过本机的网络地址和此端口访问。</translation>
    </message>
    <message>
        <source>Letting other computers in needs an API key: create one below first.</source>
        <translation>允许其他电脑访问需要接口密钥：请先在下方创建一个。</translation>
    </message>
    <message>
        <source>Could not start: %1</source>
        <translation>无法启动：%1</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>启动</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>已吊销</translation>
    </message>
    <message>
        <source>User: chat, complete, embed</source>
        <translation>用户：对话、补全、嵌入</translation>
    </message>
    <message>
        <source>Auditor: also reads the audit log</source>
        <translation>审计员：另可读取审计日志</translation>
    </message>
    <message>
        <source>Administrator: also manages keys, models and settings</source>
        <translation>管理员：另可管理密钥、模型和设置</translation>
    </message>
    <message>
        <source>New API key</source>
        <translation>新建接口密钥</translation>
    </message>
    <message>
        <source>Name of the key (who or what will use it):</source>
        <translation>密钥名称（谁或哪个程序会使用它）：</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Give the key a name.</source>
        <translation>请为密钥起个名字。</translation>
    </message>
    <message>
        <source>Revoke API key</source>
        <translation>吊销接口密钥</translation>
    </message>
    <message>
        <source>Revoke the key “%1”? Programs that use it are refused from now on. This cannot be undone.</source>
        <translation>吊销密钥“%1”？使用它的程序从此将被拒绝。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>吊销</translation>
    </message>
    <message>
        <source>Any free port</source>
        <translation>任意空闲端口</translation>
    </message>
    <message>
        <source>Copy address</source>
        <translation>复制地址</translation>
    </message>
    <message>
        <source>Copy the server&apos;s address to the clipboard</source>
        <translation>将服务器地址复制到剪贴板</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>接口密钥</translation>
    </message>
    <message>
        <source>Programs send a key with each request. Once a key exists, every request needs one, also from this computer.</source>
        <translation>程序在每个请求中发送密钥。一旦存在密钥，每个请求都需要密钥，来自本机的也不例外。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Role of a new key:</source>
        <translation>新密钥的角色：</translation>
    </message>
    <message>
        <source>What programs using the key may do on the API</source>
        <translation>使用此密钥的程序可在 API 上执行的操作</translation>
    </message>
    <message>
        <source>Create…</source>
        <translation>创建…</translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation>吊销…</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Summarise the oldest turns</source>
        <translation>总结最早的对话轮次</translation>
    </message>
    <message>
        <source>Drop the oldest turns</source>
        <translation>丢弃最早的对话轮次</translation>
    </message>
    <message>
        <source>Only a model that fits on no single GPU</source>
        <translation>仅限任何单个 GPU 都放不下的模型</translation>
    </message>
    <message>
        <source>By layers</source>
        <translation>按层</translation>
    </message>
    <message>
        <source>By rows</source>
        <translation>按行</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>From the conversation (prompt lookup)</source>
        <translation>从对话中起草（提示查找）</translation>
    </message>
    <message>
        <source>With the draft model</source>
        <translation>使用草稿模型</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>{0} (locked by policy)</source>
        <translation>{0}（已被策略锁定）</translation>
    </message>
    <message>
        <source>Locked by your administrator&apos;s policy ({0})</source>
        <translation>已被管理员策略锁定（{0}）</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open the data folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
</context>
<context>
    <name>SourcesView</name>
    <message>
        <source>Whole documents were read (long-context mode).</source>
        <translation>已读取完整文档（长上下文模式）。</translation>
    </message>
    <message>
        <source>The documents do not fit the model’s window whole, so the answer is from passages.</source>
        <translation>文档无法完整放入模型窗口，因此回答依据的是段落。</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Passages given (none cited)</source>
        <translation>提供的段落（未引用）</translation>
    </message>
    <message>
        <source>restated, not cited</source>
        <translation>已转述，未引用</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Verifying %1… %2%</source>
        <translation>正在验证 %1… %2%</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <source>see the error</source>
        <translation>请查看错误信息</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>模型状态</translation>
    </message>
    <message>
        <source>Choose another model…</source>
        <translation>选择其他模型…</translation>
    </message>
    <message>
        <source>Open the model manager (Ctrl+Shift+M)</source>
        <translation>打开模型管理器（Ctrl+Shift+M）</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>正在导入 %1…</translation>
    </message>
    <message>
        <source>Verifying %1…</source>
        <translation>正在验证 %1…</translation>
    </message>
    <message>
        <source>Import progress</source>
        <translation>导入进度</translation>
    </message>
    <message>
        <source>GPU layers %1/%2</source>
        <translation>GPU 层数 %1/%2</translation>
    </message>
    <message>
        <source>GPU %1</source>
        <translation>GPU %1</translation>
    </message>
    <message>
        <source>split by %1 over %2 GPUs</source>
        <translation>按%1拆分到 %2 个 GPU</translation>
    </message>
    <message>
        <source>rows</source>
        <translation>行</translation>
    </message>
    <message>
        <source>layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>draft model %1</source>
        <translation>草稿模型 %1</translation>
    </message>
    <message>
        <source>no draft model</source>
        <translation>无草稿模型</translation>
    </message>
    <message>
        <source>Context %1 / %2</source>
        <translation>上下文 %1 / %2</translation>
    </message>
    <message>
        <source>%1 tok/s · first token %2 ms</source>
        <translation>%1 词元/秒 · 首词元 %2 毫秒</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>Context used</source>
        <translation>已用上下文</translation>
    </message>
    <message>
        <source>Speed of the last reply</source>
        <translation>上一条回复的速度</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>模型加载进度</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Sync offline · retrying at %1</source>
        <translation>同步离线 · 将于 %1 重试</translation>
    </message>
    <message>
        <source>Sync offline</source>
        <translation>同步离线</translation>
    </message>
    <message>
        <source>Sync paused</source>
        <translation>同步已暂停</translation>
    </message>
    <message>
        <source>Click to open the sync settings.</source>
        <translation>点击打开同步设置。</translation>
    </message>
    <message>
        <source>%1 sync conflict(s)</source>
        <translation>%1 个同步冲突</translation>
    </message>
    <message>
        <source>Click to compare and choose what to keep.</source>
        <translation>点击比较并选择要保留的内容。</translation>
    </message>
    <message>
        <source>%1 change(s) to sync</source>
        <translation>%1 项更改待同步</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>Last sync at %1</source>
        <translation>上次同步于 %1</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Sync status</source>
        <translation>同步状态</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Sync settings not saved</source>
        <translation>同步设置未保存</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Type the address of your sync server first.</source>
        <translation>请先输入同步服务器的地址。</translation>
    </message>
    <message>
        <source>Your conversations are still opening; try again in a moment.</source>
        <translation>对话仍在打开中，请稍后再试。</translation>
    </message>
    <message>
        <source>The key is saved in %1. Take it to the other device with its passphrase.</source>
        <translation>密钥已保存到 %1。请将它连同口令带到另一台设备。</translation>
    </message>
    <message>
        <source>This device now uses the key %1.</source>
        <translation>本设备现在使用密钥 %1。</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Sync is off: this computer connects to no server.</source>
        <translation>同步已关闭：本机不连接任何服务器。</translation>
    </message>
    <message>
        <source>Paused: the server refused the password, or this device needs the key of your other devices. Change the settings or use a key, and sync starts again.</source>
        <translation>已暂停：服务器拒绝了密码，或本设备需要您其他设备的密钥。修改设置或使用密钥后，同步将重新开始。</translation>
    </message>
    <message>
        <source>The server could not be reached; the next try is at %1.</source>
        <translation>无法连接服务器；下次尝试时间为 %1。</translation>
    </message>
    <message>
        <source>Last synced at %1.</source>
        <translation>上次同步于 %1。</translation>
    </message>
    <message>
        <source>Not synced yet.</source>
        <translation>尚未同步。</translation>
    </message>
    <message>
        <source>Waiting to go: %1. Conflicts: %2.</source>
        <translation>待发送：%1。冲突：%2。</translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>上次错误：%1</translation>
    </message>
    <message>
        <source>This device&apos;s sync key: %1</source>
        <translation>本设备的同步密钥：%1</translation>
    </message>
    <message>
        <source>This device has no sync key yet: the first sync makes one, or use the key of your other devices.</source>
        <translation>本设备还没有同步密钥：首次同步会生成一个，或使用您其他设备的密钥。</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>CA bundle</source>
        <translation>CA 证书包</translation>
    </message>
    <message>
        <source>Client certificate</source>
        <translation>客户端证书</translation>
    </message>
    <message>
        <source>Sync every (minutes)</source>
        <translation>同步间隔（分钟）</translation>
    </message>
    <message>
        <source>A WebDAV folder. Empty: this computer never connects to a sync server.</source>
        <translation>一个 WebDAV 文件夹。留空：本机从不连接同步服务器。</translation>
    </message>
    <message>
        <source>%1 (locked by policy)</source>
        <translation>%1（已被策略锁定）</translation>
    </message>
    <message>
        <source>Locked by your administrator&apos;s policy (%1)</source>
        <translation>已被管理员策略锁定（%1）</translation>
    </message>
    <message>
        <source>Unchanged when left empty</source>
        <translation>留空则保持不变</translation>
    </message>
    <message>
        <source>Kept with the app&apos;s other secrets (the system keyring), never in the settings file, and never shown again.</source>
        <translation>与应用的其他机密一起保存（系统密钥环），从不写入设置文件，也不会再次显示。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Conflicts…</source>
        <translation>冲突…</translation>
    </message>
    <message>
        <source>Enrol another device…</source>
        <translation>添加另一台设备…</translation>
    </message>
    <message>
        <source>Use a key from another device…</source>
        <translation>使用另一台设备的密钥…</translation>
    </message>
    <message>
        <source>Your devices</source>
        <translation>您的设备</translation>
    </message>
</context>
<context>
    <name>ToolApproval</name>
    <message>
        <source>Allow a tool?</source>
        <translation>允许调用工具？</translation>
    </message>
    <message>
        <source>The model wants to call %1, which can change things outside this conversation.</source>
        <translation>模型想调用 %1，它可能更改本对话之外的内容。</translation>
    </message>
    <message>
        <source>It would be given: %1</source>
        <translation>将传给它：%1</translation>
    </message>
    <message>
        <source>Allow</source>
        <translation>允许</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>ToolCallView</name>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>denied by you</source>
        <translation>已被你拒绝</translation>
    </message>
    <message>
        <source>Tool %1</source>
        <translation>工具 %1</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
</context>
<context>
    <name>ToolServersDialog</name>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>Programs on this computer whose tools the model may call, started when needed and spoken to over standard input and output (never over a network). Their tools ask before each call unless “effects” is false. For example:</source>
        <translation>本机上的程序，模型可调用其工具；需要时启动，通过标准输入和输出通信（绝不经由网络）。除非 “effects” 为 false，其工具每次调用前都会先询问。例如：</translation>
    </message>
    <message>
        <source>Not valid JSON: %1</source>
        <translation>不是有效的 JSON：%1</translation>
    </message>
</context>
<context>
    <name>ToolsChooser</name>
    <message>
        <source>Calculator</source>
        <translation>计算器</translation>
    </message>
    <message>
        <source>Works out arithmetic exactly, on this computer</source>
        <translation>在本机上精确计算算式</translation>
    </message>
    <message>
        <source>Current date and time</source>
        <translation>当前日期和时间</translation>
    </message>
    <message>
        <source>This computer&apos;s date, time and time zone</source>
        <translation>本机的日期、时间和时区</translation>
    </message>
    <message>
        <source>Search your conversations</source>
        <translation>搜索你的对话</translation>
    </message>
    <message>
        <source>Finds words in your earlier conversations on this computer</source>
        <translation>在本机上你以前的对话中查找词语</translation>
    </message>
    <message>
        <source>(asks first)</source>
        <translation>（先询问）</translation>
    </message>
    <message>
        <source>No tools are available</source>
        <translation>没有可用的工具</translation>
    </message>
    <message>
        <source>Call a tool before answering</source>
        <translation>回答前先调用工具</translation>
    </message>
    <message>
        <source>MCP servers…</source>
        <translation>MCP 服务器…</translation>
    </message>
    <message>
        <source>Tools:</source>
        <translation>工具：</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Tools the model may call in this conversation; those that change something ask you first</source>
        <translation>本对话中模型可调用的工具；会更改内容的工具会先询问你</translation>
    </message>
</context>
<context>
    <name>WelcomePanel</name>
    <message>
        <source>Welcome to Open-AutoGLM</source>
        <translation>欢迎使用 Open-AutoGLM</translation>
    </message>
    <message>
        <source>A desktop assistant that runs a language model entirely on this computer: ask it to summarise, explain, draft or translate, and it answers here.</source>
        <translation>一个完全在这台电脑上运行语言模型的桌面助手：让它总结、解释、起草或翻译，答案就显示在这里。</translation>
    </message>
    <message>
        <source>Nothing leaves this machine: the model runs here, your conversations are kept in a local database, and no network connection is opened unless you set up sync or the API server.</source>
        <translation>任何内容都不会离开这台电脑：模型在本机运行，对话保存在本地数据库中；除非你设置了同步或接口服务器，否则不会建立任何网络连接。</translation>
    </message>
    <message>
        <source>the default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Active model: %1, signed by %2.</source>
        <translation>当前模型：%1，签名者：%2。</translation>
    </message>
    <message>
        <source>an unknown key</source>
        <translation>未知密钥</translation>
    </message>
    <message>
        <source>Active model: %1, not signed (allowed by your settings).</source>
        <translation>当前模型：%1，未签名（你的设置允许）。</translation>
    </message>
    <message>
        <source>No model is loaded: %1 could not be loaded. Choose another one in the model manager.</source>
        <translation>没有加载模型：无法加载 %1。请在模型管理器中选择其他模型。</translation>
    </message>
    <message>
        <source>Loading %1 and checking its signature…</source>
        <translation>正在加载 %1 并检查其签名…</translation>
    </message>
    <message>
        <source>To add a model, drag its GGUF file (with its .manifest.json beside it) onto this window, or use Import in the model manager. Only models signed by a key you trust are loaded.</source>
        <translation>要添加模型，把它的 GGUF 文件（连同旁边的 .manifest.json 清单）拖到此窗口，或在模型管理器中使用“导入”。只有由你信任的密钥签名的模型才会加载。</translation>
    </message>
    <message>
        <source>Open the model manager</source>
        <translation>打开模型管理器</translation>
    </message>
    <message>
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
    <message>
        <source>Hide this welcome; it does not come back</source>
        <translation>隐藏此欢迎信息，之后不再显示</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
</context>
</TS>
