Console.WriteLine("hyperproxy");
