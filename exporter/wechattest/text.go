package wechattest

// Word pools for generated accounts. They are our own writing, in the voice
// of a small tech-and-culture account, mixing Chinese and English the way such
// accounts do.

var authors = []string{"林小满", "阿哲", "编辑部", "Kevin Zhou", "周末读书会", "老王", "Mia", "山雨"}

var accountNames = []string{"慢读技术", "周末读书会", "城市漫步指南"}

var titleLeads = []string{"一文读懂", "实战", "复盘", "周末读书", "深度", "译文", "笔记", "访谈"}

var titleTopics = []string{
	"Go 语言的并发模型", "从零搭建个人博客", "我们为什么需要代码评审", "一杯手冲咖啡的科学",
	"旧书店里的时光", "Kubernetes 入门的十个坑", "数据库索引是怎样工作的", "在城市里慢慢走",
	"写给新人的 Git 指南", "读《人类简史》", "春天的第一场雨", "HTTP/2 与 HTTP/3 的区别",
	"用 Python 整理照片", "一次线上事故的复盘", "茶与器", "年度书单",
	"正则表达式速查", "关于远程办公的三点思考", "胡同里的早餐", "如何写好一份技术文档",
}

var titleTails = []string{"第 3 期", "上篇", "下篇", "附代码", "建议收藏", "长文", "2023 版", "周刊"}

var englishTitles = []string{
	"Notes on Structured Logging", "A Gentle Introduction to Rust Lifetimes",
	"What I Learned Shipping a CLI", "Weekend Reading: Tea, Trains and TCP",
	"Understanding Context Cancellation in Go", "Ten Years of Writing on WeChat",
}

// hostileTitles break naive code: path traversal, control characters, YAML
// syntax, quotes and a title far longer than any file name should be.
var hostileTitles = []string{
	"第一行\n第二行：标题里有换行",
	"../../../etc/passwd",
	`他说："这不是 'YAML'"：真的吗？`,
	"--- front matter? ---",
	"key: value # not a comment",
	"C:\\Windows\\System32 与 /usr/bin 的故事",
	"  前后有空格的标题  ",
	"<script>alert('title')</script> & <b>粗体</b>",
	"CON",
	"这是一个非常非常长的标题，用来测试文件名与路径长度的限制：" +
		"当一个公众号作者把整段摘要都写进标题里的时候，导出工具就必须学会截断它，而且要按字符而不是按字节截断，" +
		"否则就会把一个汉字切成两半，留下无法解码的乱码；This title keeps going in English as well, " +
		"because some authors mix languages freely and never stop typing until the editor complains about it.",
	"emoji 标题 🎉🚀 与零宽\u200b字符",
	"50% off: 100% 真实 #hashtag @mention",
}

var digests = []string{
	"一份写给初学者的实用指南，附完整示例代码。",
	"周末读书会第 12 期：聊聊那些改变我们思维方式的书。",
	"从一次线上事故说起，谈谈我们如何改进发布流程。",
	"A short note on what we changed and why.",
	"",
	"城市很大，慢慢走才看得清。",
}

var sourceURLs = []string{
	"https://github.com/mparchive/examples",
	"https://example.com/blog/2021/notes.html",
	"http://www.example.org/read?id=42&from=wechat",
	"https://example.net/papers/structured-logging.pdf",
}

var chineseSentences = []string{
	"并发不是并行，这句话我们已经听过很多遍了。",
	"真正的难点在于如何让多个任务安全地共享状态。",
	"上周我们把整个服务迁移到了新的集群，过程比预想的顺利。",
	"早上七点的胡同里，豆浆和油条的香味飘了半条街。",
	"这本书的前三章讲的是农业革命，后面才进入正题。",
	"如果你只记住一件事，那就是：先写测试，再写代码。",
	"咖啡豆的研磨度会直接影响萃取时间和口感。",
	"我们在评审中发现，大多数问题都出在边界条件上。",
	"索引并不是越多越好，写入的代价同样需要考虑。",
	"雨后的石板路很滑，但空气里有泥土和青草的味道。",
	"配置文件应该放在版本库里，密钥则绝对不能。",
	"很多人问我为什么坚持每周写一篇，其实答案很简单。",
	"这段代码运行了三年，直到某天凌晨两点突然报错。",
	"旧书店的老板说，这本书他已经卖了二十年。",
	"日志要结构化，否则出了问题根本无从查起。",
	"我们最终选择了最朴素的方案，因为它最容易维护。",
	"读完这本书，我重新整理了自己的书架。",
	"接口超时的默认值，往往就是事故的起点。",
	"　　这是一段以全角空格缩进的段落，新闻类公众号常常这样排版。",
	"欢迎在文末留言，说说你的看法。",
}

var englishSentences = []string{
	"Concurrency is about structure; parallelism is about execution.",
	"We rewrote the importer twice before it was fast enough.",
	"The best documentation is the one people actually read.",
	"Every retry loop needs a budget, or it becomes an outage.",
	"Tea tastes different when the water is just below boiling.",
	"Small, boring releases beat big, exciting ones.",
	"The map is not the territory, and the schema is not the data.",
	"Read the error message twice before searching the web.",
}

var headings = []string{"一、背景", "二、问题在哪里", "三、解决方案", "四、总结", "Why it matters", "延伸阅读", "写在最后", "Step 1: Install"}

var emphasis = []string{"这一点非常重要。", "记住这个结论。", "Do not skip this step.", "划重点！"}

var inlineCode = []string{"go test -race", "git rebase -i", "SELECT * FROM t", "ctx.Done()", "kubectl get pods", "<div>"}

var captions = []string{"图：系统架构示意", "摄于北京东四", "Figure 1: request flow", "（图片来自作者）", "截图：控制台输出"}

var listItems = []string{
	"先读官方文档", "保持函数短小", "为每个错误写清楚上下文", "Measure before you optimise",
	"周六上午去旧书市场", "带一把伞", "每个 PR 只做一件事", "Keep secrets out of logs",
	"水温 92℃", "研磨度：中细",
}

var voiceNames = []string{"春日散步+读诗", "第 8 期播客：远程办公", "Weekend Radio #3"}

var spacers = []string{`<p><br></p>`, `<p><br/></p>`, `<section><br></section>`, `<p style="text-align: center;"><span leaf=""><br></span></p>`}

// hostileMarkup is content a client must neutralise before it reaches a
// browser: WeChat promises to strip scripts (§2) but an archive tool should
// not rely on a promise.
var hostileMarkup = []string{
	`<script>document.write("injected")</script>`,
	`<p onclick="alert(1)"><span leaf="">点我试试</span></p>`,
	`<p><a href="javascript:alert(document.cookie)"><span leaf="">查看详情</span></a></p>`,
	`<section style="background-image: url(&quot;javascript:alert(1)&quot;);"><p>样式注入</p></section>`,
}

var tables = [][][]string{
	{{"参数", "默认值", "说明"}, {"--timeout", "30s", "单次请求超时"}, {"--retries", "3", "失败重试次数"}, {"--workers", "4", "并发数"}},
	{{"书名", "作者", "评分"}, {"人类简史", "尤瓦尔·赫拉利", "8.8"}, {"活着", "余华", "9.4"}},
	{{"Method", "Path", "Quota"}, {"POST", "/cgi-bin/freepublish/batchget", "100/day"}, {"GET", "/cgi-bin/draft/count", "1000/day"}},
}

type codeSample struct{ lang, code string }

var codeSamples = []codeSample{
	{"go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tch := make(chan int)\n\tgo func() { ch <- 42 }()\n\tfmt.Println(<-ch)\n}"},
	{"python", "import pathlib\n\nfor p in pathlib.Path('.').glob('*.jpg'):\n    print(p.name, p.stat().st_size)"},
	{"javascript", "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n\nawait sleep(1000);\nconsole.log('done & dusted <ok>');"},
	{"bash", "git log --oneline | head -5\ngo test -race ./...\n\necho \"$HOME\""},
	{"sql", "SELECT author, COUNT(*) AS n\nFROM articles\nWHERE created_at > '2021-01-01'\nGROUP BY author\nORDER BY n DESC;"},
	{"yaml", "title: \"Hello: world\"\ndate: 2024-05-01\ntags:\n  - go\n  - wechat"},
}
