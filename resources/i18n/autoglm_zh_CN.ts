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
        <source>Allow other computers (0.0.0.0)</source>
        <translation>允许其他电脑访问（0.0.0.0）</translation>
    </message>
    <message>
        <source>Listen on every network address, not only this computer&apos;s; needs an API key.</source>
        <translation>在所有网络地址上监听，而不只是本机；需要接口密钥。</translation>
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
    <message>
        <source>Sources</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Passages given (none cited)</source>
        <translation>提供给模型的段落（未被引用）</translation>
    </message>
    <message>
        <source>restated, not cited</source>
        <translation>复述了内容但未标注引用</translation>
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
        <source>Conversations and chat</source>
        <translation>对话列表与聊天</translation>
    </message>
    <message>
        <source>the default model</source>
        <translation>默认模型</translation>
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
        <source>State</source>
        <translation>状态</translation>
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
