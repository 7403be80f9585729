Console.WriteLine("hypersak");
