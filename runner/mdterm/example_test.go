package mdterm_test

import (
	"fmt"

	"github.com/tcpnotebook/tcpnotebook/runner/mdterm"
)

// env makes a getenv from a map, as os.Getenv would read it.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func ExampleColorFromEnv() {
	fmt.Println(mdterm.ColorFromEnv(env(nil), true))
	fmt.Println(mdterm.ColorFromEnv(env(nil), false))
	fmt.Println(mdterm.ColorFromEnv(env(map[string]string{"CLICOLOR_FORCE": "1"}), false))
	fmt.Println(mdterm.ColorFromEnv(env(map[string]string{"NO_COLOR": "1", "FORCE_COLOR": "1"}), true))
	// Output:
	// true
	// false
	// true
	// false
}

func ExampleWidthFromEnv() {
	fmt.Println(mdterm.WidthFromEnv(env(map[string]string{"COLUMNS": "120"}), 100))
	fmt.Println(mdterm.WidthFromEnv(env(map[string]string{"COLUMNS": "120"}), 0))
	fmt.Println(mdterm.WidthFromEnv(env(nil), 0))
	// Output:
	// 100
	// 120
	// 80
}

func ExampleRender() {
	src := "## 调用顺序\n\n服务器是被动的一方：公布一个地址，然后等待。`listen` 之后，内核自己应答连接请求。\n"
	fmt.Print(mdterm.Render([]byte(src), mdterm.Options{Width: 30}))
	// Output:
	// 调用顺序
	// --------
	//
	// 服务器是被动的一方：公布一个地
	// 址，然后等待。`listen` 之后，
	// 内核自己应答连接请求。
}
